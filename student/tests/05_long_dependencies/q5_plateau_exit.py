OK_FORMAT = True

test = {   'name': 'q5_plateau_exit',
    'points': 2,
    'suites': [   {   'cases': [{'code': '>>> assert plateau_exit([0, 50, 100, 150], [0.17, 0.16, 0.05, 0.01], level=0.1) == 100\n', 'hidden': False, 'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
