OK_FORMAT = True

test = {   'name': 'q4_chrono_bias',
    'points': 2,
    'suites': [   {   'cases': [   {   'code': ">>> from utils.exercise import check_not_calling\n>>> check_not_calling(chrono_gru_bias, 'chrono_bias', 'ChronoInitializer')\n",
                                       'hidden': False,
                                       'locked': False},
                                   {   'code': '>>> _b = chrono_gru_bias(4, 100, seed=0)\n'
                                               ">>> assert np.shape(_b) == (2, 12), f'expected shape (2, 3 * units) = (2, 12), got {np.shape(_b)}'\n"
                                               '>>> assert np.asarray(_b).dtype == np.float32, f"expected float32 (Keras\'s weight dtype), got {np.asarray(_b).dtype}"\n'
                                               '>>> _z = 1 / (1 + np.exp(-(_b[0, :4] + _b[1, :4])))\n'
                                               ">>> assert np.all((_z >= 0.5) & (_z < 0.99)), f'expected update gates z = sigmoid(log u) in [0.5, 0.99), keeping the state; got {_z.round(3)}'\n"
                                               '>>> assert np.all(_b[0, 4:] == 0) and np.all(_b[1] == 0), f"expected zeros outside row 0\'s z block, got {np.round(_b, 3).tolist()}"\n',
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
