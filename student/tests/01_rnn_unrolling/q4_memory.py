OK_FORMAT = True

test = {   'name': 'q4_memory',
    'points': 1,
    'suites': [   {   'cases': [{'code': '>>> assert abs(final_state([1.0], 1.0, 0.5) - np.tanh(1.0)) < 1e-09\n', 'hidden': False, 'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
