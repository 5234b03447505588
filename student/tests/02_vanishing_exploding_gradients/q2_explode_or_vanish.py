OK_FORMAT = True

test = {   'name': 'q2_explode_or_vanish',
    'points': 2,
    'suites': [   {   'cases': [   {'code': ">>> from utils.exercise import check_not_calling\n>>> check_not_calling(explode_or_vanish, 'spectral_radius')\n", 'hidden': False, 'locked': False},
                                   {   'code': '>>> _h0 = np.zeros(2)\n'
                                               '>>> assert explode_or_vanish(np.diag([0.5, 0.8]), _h0) == \'vanish\', f"diag(0.5, 0.8), h = 0: expected \'vanish\', got '
                                               '{explode_or_vanish(np.diag([0.5, 0.8]), _h0)!r}"\n'
                                               '>>> _big = np.array([[0.6, 3.0], [0.0, 0.7]])\n'
                                               '>>> assert explode_or_vanish(_big, _h0) == \'vanish\', f"[[0.6, 3], [0, 0.7]], h = 0: expected \'vanish\' (eigenvalues, not entries), got '
                                               '{explode_or_vanish(_big, _h0)!r}"\n'
                                               '>>> _rot = 1.2 * np.array([[0.6, 0.8], [-0.8, 0.6]])\n'
                                               '>>> assert explode_or_vanish(_rot, np.zeros(2)) == \'explode\', f"1.2 × rotation, h = 0: expected \'explode\', got {explode_or_vanish(_rot, '
                                               'np.zeros(2))!r}"\n'
                                               '>>> assert explode_or_vanish(_rot, np.full(2, 0.5)) == \'vanish\', f"1.2 × rotation, |h| = 0.5: expected \'vanish\' (ρ(J) = 0.9), got '
                                               '{explode_or_vanish(_rot, np.full(2, 0.5))!r}"\n'
                                               '>>> _rot15 = 1.5 * np.array([[0.6, 0.8], [-0.8, 0.6]])\n'
                                               '>>> assert explode_or_vanish(_rot15, np.full(2, 0.5)) == \'explode\', f"1.5 × rotation, h = 0.5: expected \'explode\' (ρ(J) = 1.125), got '
                                               '{explode_or_vanish(_rot15, np.full(2, 0.5))!r}"\n'
                                               '>>> assert explode_or_vanish(_rot15, np.full(2, 0.6)) == \'vanish\', f"1.5 × rotation, h = 0.6: expected \'vanish\' (ρ(J) = 0.96), got '
                                               '{explode_or_vanish(_rot15, np.full(2, 0.6))!r}"\n',
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
