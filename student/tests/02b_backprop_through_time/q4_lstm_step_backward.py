OK_FORMAT = True

test = {   'name': 'q4_lstm_step_backward',
    'points': 4,
    'suites': [   {   'cases': [   {   'code': '>>> _w = [np.zeros((2, 4)), np.zeros((1, 4)), np.zeros(4)]\n'
                                               '>>> _h, _c, _cache = lstm_step_forward(np.ones((1, 2)), np.zeros((1, 1)), np.ones((1, 1)), *_w)\n'
                                               '>>> _grads = lstm_step_backward(np.zeros((1, 1)), np.ones((1, 1)), _cache)\n'
                                               '>>> assert [np.shape(g) for g in _grads] == [(1, 2), (1, 1), (1, 1), (2, 4), (1, 4), (4,)]\n'
                                               '>>> np.testing.assert_allclose(_grads[2], [[0.5]])\n',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0.5}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
