OK_FORMAT = True

test = {   'name': 'q1_relu_step_backward',
    'points': 3,
    'suites': [   {   'cases': [   {   'code': '>>> from utils.exercise import check_not_calling\n'
                                               ">>> check_not_calling(relu_step_backward, 'rnn_step_backward', '_rnn_step_backward', 'rnn_backward', 'rnn_backward_variant', 'GradientTape')\n",
                                       'hidden': False,
                                       'locked': False},
                                   {   'code': '>>> _W_h = np.array([[1.0, 0.5, 0.0], [-0.5, 1.0, 0.25], [0.0, -0.25, 0.5]])\n'
                                               '>>> _W_x, _b = (np.array([[0.5, -1.0, 0.25], [0.25, 0.5, -0.5]]), np.array([0.5, 0.25, -0.5]))\n'
                                               '>>> _h, _cache = relu_step_forward(np.array([[1.0, -2.0]]), np.array([[0.5, -1.0, 2.0]]), _W_x, _W_h, _b)\n'
                                               '>>> _grads = relu_step_backward(np.array([[1.0, -2.0, 0.5]]), _cache)\n'
                                               '>>> _shapes = [np.shape(g) for g in _grads]\n'
                                               ">>> assert _shapes == [(1, 2), (1, 3), (2, 3), (3, 3), (3,)], f'expected shapes [(1, 2), (1, 3), (2, 3), (3, 3), (3,)], got {_shapes}'\n"
                                               ">>> assert np.allclose(_grads[4], [1.0, 0.0, 0.5]), f'db: expected [1, 0, 0.5] (dh where a > 0, else 0), got {_grads[4]}'\n"
                                               ">>> assert np.allclose(_grads[1], [[2.0, -2.375, 0.75]]), f'dh_prev: expected [[2, -2.375, 0.75]] (both paths from h_prev), got {_grads[1]}'\n"
                                               ">>> assert np.allclose(_grads[3][:, 1], 0) and np.allclose(_grads[3][2], [2.0, 0.0, 1.0]), f'dW_h: expected [[0.5, 0, 0.25], [-1, 0, -0.5], [2, 0, "
                                               "1]], got {_grads[3]}'\n",
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0.5}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
