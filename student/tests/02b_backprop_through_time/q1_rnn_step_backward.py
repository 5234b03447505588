OK_FORMAT = True

test = {   'name': 'q1_rnn_step_backward',
    'points': 3,
    'suites': [   {   'cases': [   {   'code': '>>> _h, _cache = rnn_step_forward(np.ones((1, 2)), np.zeros((1, 3)), np.full((2, 3), 0.1), np.eye(3), np.zeros(3))\n'
                                               '>>> _grads = rnn_step_backward(np.ones((1, 3)), _cache)\n'
                                               '>>> assert [np.shape(g) for g in _grads] == [(1, 2), (1, 3), (2, 3), (3, 3), (3,)]\n'
                                               '>>> np.testing.assert_allclose(_grads[4], 1 - np.tanh(0.2) ** 2)\n',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0.5}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
