OK_FORMAT = True

test = {   'name': 'q5_plateau_exit',
    'points': 2,
    'suites': [   {   'cases': [   {   'code': '>>> for _losses, _want in [([0.17, 0.16, 0.05, 0.01], 100), ([0.17, 0.05, 0.16, 0.01], 150)]:\n'
                                               '...     _got = plateau_exit([0, 50, 100, 150], _losses, level=0.1)\n'
                                               "...     assert _got == _want, f'losses {_losses} at updates [0, 50, 100, 150], level 0.1: expected {_want}, got {_got}' + (' (the dip at 50 came back "
                                               "above the level: not the exit)' if _want == 150 else '')\n",
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
