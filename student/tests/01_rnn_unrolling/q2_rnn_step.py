OK_FORMAT = True

test = {   'name': 'q2_rnn_step',
    'points': 2,
    'suites': [   {   'cases': [   {   'code': '>>> from utils.exercise import check_not_calling\n'
                                               ">>> check_not_calling(rnn_step, 'rnn_step', 'rnn_forward', 'rnn_cell_step', 'SimpleRNN', 'SimpleRNNCell', '_rnn')\n",
                                       'hidden': False,
                                       'locked': False},
                                   {   'code': '>>> _W_h = np.array([[0.5, 1.0, 0.0], [-0.5, 0.25, 0.5], [0.0, -1.0, 0.5]])\n'
                                               '>>> _W_x, _b = (np.array([[0.5, -0.25, 1.0], [1.0, 0.5, -0.5]]), np.array([0.1, -0.2, 0.3]))\n'
                                               '>>> _h = rnn_step(np.array([[1.0, -0.5]]), np.array([[0.5, -1.0, 0.25]]), _W_x, _W_h, _b, 0.25)\n'
                                               ">>> assert np.shape(_h) == (1, 3), f'expected h_t of shape (batch, units) = (1, 3), got {np.shape(_h)}'\n"
                                               ">>> assert np.allclose(_h, [[0.547767, -0.901092, 0.393967]], atol=1e-06), f'expected [[0.547767, -0.901092, 0.393967]], got {_h} (h_prev @ W_h, and α "
                                               "on the new part)'\n",
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
