OK_FORMAT = True

test = {   'name': 'q4_wind_vector',
    'points': 1,
    'suites': [   {   'cases': [   {'code': ">>> from utils.exercise import check_not_calling\n>>> check_not_calling(wind_xy, 'wind_vector')\n", 'hidden': False, 'locked': False},
                                   {   'code': '>>> _e, _n = wind_xy(np.array([2.0, 3.0, 1.0]), np.array([0.0, 90.0, 225.0]))\n'
                                               '>>> _want_e, _want_n = (np.array([0, -3, np.sqrt(0.5)]), np.array([-2, 0, np.sqrt(0.5)]))\n'
                                               ">>> assert np.allclose(_e, _want_e) and np.allclose(_n, _want_n), f'expected east {_want_e.round(3)}, north {_want_n.round(3)}; got east {np.round(_e, "
                                               "3)}, north {np.round(_n, 3)}'\n",
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
