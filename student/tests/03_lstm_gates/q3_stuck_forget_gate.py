OK_FORMAT = True

test = {   'name': 'q3_stuck_forget_gate',
    'points': 2,
    'suites': [   {   'cases': [   {   'code': '>>> _got = np.asarray(cell_states(1.0, np.array([1.0, 0.0, 2.0]), 0.5))\n'
                                               ">>> assert _got.shape == (3,), f'cell_states(1.0, [1, 0, 2], 0.5): expected 3 states c_1..c_3, got shape {_got.shape}'\n"
                                               ">>> assert np.allclose(_got, [1.5, 0.75, 2.375]), f'cell_states(1.0, [1, 0, 2], 0.5): expected [1.5, 0.75, 2.375], got {_got}'\n"
                                               ">>> for _name, _v in [('stuck_at_zero', stuck_at_zero), ('stuck_at_one', stuck_at_one)]:\n"
                                               '...     assert str(_v).strip().strip(\'()\').lower() in (\'a\', \'b\', \'c\'), f\'{_name}: expected the string "a", "b" or "c", got {_v!r}\'\n',
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
