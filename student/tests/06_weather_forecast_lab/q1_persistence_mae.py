OK_FORMAT = True

test = {   'name': 'q1_persistence_mae',
    'points': 1,
    'suites': [   {   'cases': [{'code': '>>> assert persistence_mae(np.array([0.0, 1, 2, 3, 4]), 2, 1) == 1.0\n', 'hidden': False, 'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
