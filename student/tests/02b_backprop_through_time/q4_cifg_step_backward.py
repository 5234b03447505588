OK_FORMAT = True

test = {   'name': 'q4_cifg_step_backward',
    'points': 4,
    'suites': [   {   'cases': [   {   'code': '>>> from utils.exercise import check_not_calling\n'
                                               ">>> check_not_calling(cifg_step_backward, 'lstm_step_backward', '_lstm_step_backward', 'lstm_backward', 'GradientTape')\n",
                                       'hidden': False,
                                       'locked': False},
                                   {   'code': '>>> _w = [np.array([[0.5, -0.5, 1.0], [0.25, 1.0, -0.5]]), np.array([[0.5, 0.25, -0.25]]), np.array([1.0, 0.0, 0.5])]\n'
                                               '>>> _h, _c, _cache = cifg_step_forward(np.array([[1.0, -1.0]]), np.array([[0.5]]), np.array([[2.0]]), *_w)\n'
                                               '>>> _grads = cifg_step_backward(np.array([[1.0]]), np.array([[0.5]]), _cache)\n'
                                               '>>> _shapes = [np.shape(g) for g in _grads]\n'
                                               ">>> assert _shapes == [(1, 2), (1, 1), (1, 1), (2, 3), (1, 3), (3,)], f'expected shapes [(1, 2), (1, 1), (1, 1), (2, 3), (1, 3), (3,)], got "
                                               "{_shapes}'\n"
                                               ">>> assert np.allclose(_grads[2], [[0.542885]], atol=1e-06), f'dc_prev: expected [[0.542885]] (dc plus the path through h), got {_grads[2]}'\n"
                                               ">>> assert np.allclose(_grads[5], [0.285207, 0.027365, 0.103809], atol=1e-06), f'dbias (f, c, o blocks): expected [0.285207, 0.027365, 0.103809], got "
                                               "{_grads[5]}'\n",
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0.5}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
