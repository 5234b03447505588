OK_FORMAT = True

test = {   'name': 'q4_read_heatmap',
    'points': 2,
    'suites': [   {   'cases': [   {   'code': ">>> assert set(heatmap_answers) == {'a', 'b', 'c', 'd'} and all((isinstance(v, bool) for v in heatmap_answers.values())), f'expected a dict of four "
                                               "True/False answers, got {heatmap_answers}'\n",
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
