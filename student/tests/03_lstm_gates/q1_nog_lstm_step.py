OK_FORMAT = True

test = {   'name': 'q1_nog_lstm_step',
    'points': 2,
    'suites': [   {   'cases': [   {   'code': '>>> from utils.exercise import check_not_calling\n'
                                               ">>> check_not_calling(nog_lstm_step, 'lstm_step', 'LSTM', 'LSTMCell', 'lstm_trace', 'lstm_forward', '_lstm')\n",
                                       'hidden': False,
                                       'locked': False},
                                   {   'code': '>>> _k, _r, _b = (np.array([[1.0, -1.0, 0.5], [0.5, 0.0, -1.0]]), np.array([[0.5, 1.0, 0.25]]), np.array([0.0, 0.5, 0.25]))\n'
                                               '>>> _h, _c = nog_lstm_step(np.array([[1.0, 2.0]]), np.array([[0.5]]), np.array([[-1.0]]), _k, _r, _b)\n'
                                               ">>> assert np.shape(_h) == (1, 1) and np.shape(_c) == (1, 1), f'expected h_t and c_t of shape (1, 1), got {np.shape(_h)} and {np.shape(_c)}'\n"
                                               ">>> assert np.allclose(_c, -1.232135, atol=1e-06), f'c_t: expected [[-1.232135]] (blocks in the order i, f, c), got {_c}'\n"
                                               ">>> assert np.allclose(_h, -0.843197, atol=1e-06), f'h_t: expected tanh(c_t) = [[-0.843197]], got {_h}'\n",
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
