OK_FORMAT = True

test = {   'name': 'q3_reach',
    'points': 1,
    'suites': [   {   'cases': [   {'code': ">>> from utils.exercise import check_not_calling\n>>> check_not_calling(reach, 'cell_reach', 'reach')\n", 'hidden': False, 'locked': False},
                                   {   'code': '>>> _runs = {50: [True, False, False], 10: [True, True, True], 20: [True, True, False]}\n'
                                               '>>> for _share, _want in [(0.5, 20), (2 / 3, 20), (0.9, 10), (1.0, 10)]:\n'
                                               '...     _got = reach(_runs, _share)\n'
                                               "...     assert _got == _want, f'reach(runs, min_share={_share:.3g}): expected {_want}, got {_got} (T in order: {sorted(_runs)})'\n"
                                               '>>> _got = reach({10: [True, True, True], 20: [False, False, True], 40: [True, True, True]}, 0.5)\n'
                                               ">>> assert _got == 10, f'expected 10 (T = 20 fails, so T = 40 does not count although it passes), got {_got}'\n",
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
