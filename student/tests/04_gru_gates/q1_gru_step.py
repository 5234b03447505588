OK_FORMAT = True

test = {   'name': 'q1_gru_step',
    'points': 2,
    'suites': [   {   'cases': [   {   'code': '>>> _h = my_gru_step(np.ones((1, 2)), np.ones((1, 1)), np.zeros((2, 3)), np.zeros((1, 3)), np.zeros((2, 3)))\n>>> assert np.allclose(_h, 0.5)\n',
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
