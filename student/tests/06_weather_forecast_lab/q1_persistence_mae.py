OK_FORMAT = True

test = {   'name': 'q1_persistence_mae',
    'points': 1,
    'suites': [   {   'cases': [   {   'code': '>>> from utils.exercise import check_not_calling\n'
                                               ">>> check_not_calling(persistence_mae, 'persistence_forecast', 'window_targets', 'mae', 'multistep_baseline', 'multistep_windows', 'mae_by_lead', "
                                               "'daily_mean_forecast')\n",
                                       'hidden': False,
                                       'locked': False},
                                   {   'code': '>>> for _t, _want in [([0.0, 1, 3, 0, 4, 4], 2.25), ([0.0, 1, np.nan, 0, 4, 4], 2.0)]:\n'
                                               '...     _got = persistence_mae(np.array(_t), 2, 1)\n'
                                               "...     assert np.isclose(_got, _want), f'persistence_mae({_t}, 2, 1): expected the MAE {_want}, got {_got}'\n",
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
