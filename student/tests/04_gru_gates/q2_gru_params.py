OK_FORMAT = True

test = {   'name': 'q2_gru_params',
    'points': 1,
    'suites': [   {   'cases': [   {   'code': '>>> from utils.exercise import check_not_calling\n'
                                               ">>> check_not_calling(gru_params, 'gru_param_count', 'count_params', 'GRU', 'GRUCell', 'lstm_param_count')\n",
                                       'hidden': False,
                                       'locked': False},
                                   {   'code': '>>> for _args, _want in [((1, 1, False), 9), ((1, 1, True), 12), ((2, 3, True, False), 30)]:\n'
                                               '...     _got = gru_params(*_args)\n'
                                               "...     assert _got == _want, f'gru_params{_args}: expected {_want}, got {_got}'\n"
                                               '>>> _got = gru_params(np.array([1, 2]), np.array([1, 3]), True, False)\n'
                                               ">>> assert np.shape(_got) == (2,) and np.array_equal(_got, [6, 30]), f'gru_params(np.array([1, 2]), np.array([1, 3]), True, False): expected [6, 30], "
                                               "got {_got}'\n",
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
