OK_FORMAT = True

test = {   'name': 'q4_chrono_bias',
    'points': 2,
    'suites': [   {   'cases': [   {   'code': '>>> _b = chrono_lstm_bias(4, 100, seed=0)\n>>> assert _b.shape == (16,) and np.allclose(_b[:4], -_b[4:8]) and np.all(_b[8:] == 0)\n',
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
