OK_FORMAT = True

test = {   'name': 'q4_wind_vector',
    'points': 1,
    'suites': [   {   'cases': [   {   'code': '>>> _wx, _wy = wind_xy(np.array([2.0, 3.0]), np.array([0.0, 90.0]))\n>>> assert np.allclose(_wx, [2, 0]) and np.allclose(_wy, [0, 3])\n',
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
