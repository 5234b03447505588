OK_FORMAT = True

test = {   'name': 'q2_chronological_split',
    'points': 1,
    'suites': [   {   'cases': [   {'code': ">>> from utils.exercise import check_not_calling\n>>> check_not_calling(split_in_time, 'chronological_split')\n", 'hidden': False, 'locked': False},
                                   {   'code': '>>> _a, _b, _c = split_in_time(demo, gap=24)\n'
                                               ">>> assert (len(_a), len(_b), len(_c)) == (500, 250, 202), f'expected 500, 250 and 202 rows, got {len(_a)}, {len(_b)}, {len(_c)}'\n"
                                               ">>> assert _a.index.is_monotonic_increasing and _b.index.is_monotonic_increasing, 'expected each part in time order (no shuffling)'\n"
                                               '>>> _gaps = (_b.index[0] - _a.index[-1], _c.index[0] - _b.index[-1])\n'
                                               ">>> assert _gaps == (pd.Timedelta(hours=25),) * 2, f'expected 24 hours left out between parts (25 h from one row to the next), got {_gaps}'\n",
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
