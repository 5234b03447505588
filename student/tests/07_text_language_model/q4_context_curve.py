OK_FORMAT = True

test = {   'name': 'q4_context_curve',
    'points': 2,
    'suites': [   {   'cases': [   {   'code': ">>> assert set(context_answers) == {'a', 'b', 'c', 'd'} and all((isinstance(v, bool) for v in context_answers.values()))\n",
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
