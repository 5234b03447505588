OK_FORMAT = True

test = {   'name': 'q1_lstm_step',
    'points': 2,
    'suites': [   {   'cases': [   {   'code': '>>> _k, _r, _b = (np.zeros((2, 4)), np.zeros((1, 4)), np.zeros(4))\n'
                                               '>>> _h, _c = my_lstm_step(np.ones((1, 2)), np.zeros((1, 1)), np.ones((1, 1)), _k, _r, _b)\n'
                                               '>>> assert np.allclose(_c, 0.5) and np.allclose(_h, 0.5 * np.tanh(0.5))\n',
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
