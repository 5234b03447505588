OK_FORMAT = True

test = {   'name': 'q2_gru_params',
    'points': 1,
    'suites': [   {   'cases': [   {   'code': '>>> for _args, _want in [((1, 1, False), 9), ((1, 1, True), 12), ((2, 3, True, False), 30)]:\n'
                                               '...     _got = gru_params(*_args)\n'
                                               "...     assert _got == _want, f'gru_params{_args}: expected {_want}, got {_got}'\n",
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
