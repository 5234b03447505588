OK_FORMAT = True

test = {   'name': 'q2_rnn_step',
    'points': 2,
    'suites': [   {   'cases': [   {   'code': '>>> _x, _h = (np.ones((1, 2)), np.zeros((1, 3)))\n>>> assert rnn_step(_x, _h, np.zeros((2, 3)), np.zeros((3, 3)), np.zeros(3)).shape == (1, 3)\n',
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
