OK_FORMAT = True

test = {   'name': 'q1_rnn_step_backward',
    'points': 3,
    'suites': [   {   'cases': [   {   'code': '>>> _W_h = np.array([[1.0, 0.5, 0.0], [-0.5, 1.0, 0.25], [0.0, -0.25, 0.5]])\n'
                                               '>>> _W_x, _b = (np.array([[0.5, -1.0, 0.25], [0.25, 0.5, -0.5]]), np.array([0.5, 0.25, -0.5]))\n'
                                               '>>> _h, _cache = relu_step_forward(np.array([[1.0, -2.0]]), np.array([[0.5, -1.0, 2.0]]), _W_x, _W_h, _b)\n'
                                               '>>> _grads = relu_step_backward(np.array([[1.0, -2.0, 0.5]]), _cache)\n'
                                               '>>> _shapes = [np.shape(g) for g in _grads]\n'
                                               ">>> assert _shapes == [(1, 2), (1, 3), (2, 3), (3, 3), (3,)], f'expected shapes [(1, 2), (1, 3), (2, 3), (3, 3), (3,)], got {_shapes}'\n"
                                               ">>> assert np.allclose(_grads[4], [1.0, 0.0, 0.5]), f'db: expected [1, 0, 0.5] (dh where a > 0, else 0), got {_grads[4]}'\n"
                                               ">>> assert np.allclose(_grads[1], [[1.0, -0.375, 0.25]]), f'dh_prev: expected [[1, -0.375, 0.25]], got {_grads[1]} (W_h or W_hᵀ?)'\n"
                                               ">>> assert np.allclose(_grads[3][:, 1], 0) and np.allclose(_grads[3][2], [2.0, 0.0, 1.0]), f'dW_h: expected h_prevᵀ·da, got {_grads[3]}'\n",
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0.5}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
