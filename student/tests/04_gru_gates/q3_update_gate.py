OK_FORMAT = True

test = {   'name': 'q3_update_gate',
    'points': 2,
    'suites': [   {   'cases': [   {   'code': '>>> _z = np.array([[0.9, 0.2], [0.8, 0.5], [0.5, 1.0]])\n'
                                               '>>> for _mirror, _want in [(False, [0.36, 0.1]), (True, [0.01, 0.0])]:\n'
                                               '...     _got = kept_fraction(_z, mirror=_mirror)\n'
                                               "...     assert np.shape(_got) == (2,), f'expected one factor per unit, shape (2,), got shape {np.shape(_got)}'\n"
                                               "...     assert np.allclose(_got, _want), f'kept_fraction(z, mirror={_mirror}): expected {_want}, got {np.round(_got, 4)}'\n",
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
