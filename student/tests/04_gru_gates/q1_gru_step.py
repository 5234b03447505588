OK_FORMAT = True

test = {   'name': 'q1_gru_step',
    'points': 2,
    'suites': [   {   'cases': [   {   'code': '>>> from utils.exercise import check_not_calling\n'
                                               ">>> check_not_calling(torch_gru_step, 'gru_step', 'gru_trace', 'GRU', 'GRUCell', 'gru_forward', '_gru')\n",
                                       'hidden': False,
                                       'locked': False},
                                   {   'code': '>>> _g = np.random.default_rng(0)\n'
                                               '>>> _w = [_g.normal(size=(9, 2)), _g.normal(size=(9, 3)), _g.normal(size=9), _g.normal(size=9)]\n'
                                               '>>> _h = torch_gru_step(np.array([[1.0, -0.5]]), np.array([[0.6, -0.4, 0.1]]), *_w)\n'
                                               '>>> _want = np.array([[0.522756, -0.444846, 0.682602]])\n'
                                               ">>> assert np.shape(_h) == (1, 3), f'expected h_t of shape (batch, units) = (1, 3), got {np.shape(_h)}'\n"
                                               ">>> assert np.allclose(_h, _want, atol=1e-06), f'expected h_t = {_want.round(4)}, got {np.round(_h, 4)}'\n",
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
