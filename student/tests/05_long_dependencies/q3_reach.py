OK_FORMAT = True

test = {   'name': 'q3_reach',
    'points': 1,
    'suites': [   {   'cases': [{'code': '>>> assert reach({10: [True, True, False], 50: [False, False, True]}) == 10\n', 'hidden': False, 'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
