OK_FORMAT = True

test = {   'name': 'q1_same_hour_mean',
    'points': 1,
    'suites': [   {   'cases': [   {   'code': '>>> from utils.exercise import check_not_calling\n'
                                               ">>> check_not_calling(same_hour_mean, 'multistep_baseline', 'multistep_windows', 'daily_mean_forecast', 'persistence_forecast', 'mae_by_lead')\n",
                                       'hidden': False,
                                       'locked': False},
                                   {   'code': '>>> _f = np.asarray(same_hour_mean(np.arange(60.0), 48, 2, 2))\n'
                                               ">>> assert _f.shape == (11, 2), f'expected 11 windows of 2 leads, shape (11, 2); got {_f.shape}'\n"
                                               '>>> assert np.allclose(_f[0], [12.0, 13.0]), f"expected the first window\'s forecasts [12, 13] (the means of hours 24 and 0, then 25 and 1); got '
                                               '{_f[0]}"\n',
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
