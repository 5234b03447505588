OK_FORMAT = True

test = {   'name': 'q2_beam_step',
    'points': 2,
    'suites': [   {   'cases': [   {   'code': '>>> _beams = [(-0.1, (1,)), (-2.5, (2,))]\n'
                                               '>>> _lp = np.log([[0.5, 0.3, 0.2], [0.9, 0.05, 0.05]])\n'
                                               '>>> _got = beam_step(_beams, _lp, 3)\n'
                                               '>>> _want = [(-0.1 + np.log(0.5), (1, 0)), (-0.1 + np.log(0.3), (1, 1)), (-0.1 + np.log(0.2), (1, 2))]\n'
                                               ">>> assert [tuple(b[1]) for b in _got] == [w[1] for w in _want], f'expected ids {[w[1] for w in _want]}, got {[tuple(b[1]) for b in _got]}'\n"
                                               ">>> assert np.allclose([b[0] for b in _got], [w[0] for w in _want]), f'expected scores {np.round([w[0] for w in _want], 4)}, got {np.round([b[0] for b "
                                               "in _got], 4)}'\n",
                                       'hidden': False,
                                       'locked': False},
                                   {   'code': '>>> _beams = [(-1.0, (1,)), (-1.2, (2,))]\n'
                                               '>>> _lp = np.log([[0.4, 0.35, 0.25], [0.98, 0.01, 0.01]])\n'
                                               '>>> _got = [tuple(b[1]) for b in beam_step(_beams, _lp, 2)]\n'
                                               '>>> assert _got == [(2, 0), (1, 0)], f"beam scores -1.0 and -1.2: expected [(2, 0), (1, 0)] (the second beam\'s best extension is the best overall), '
                                               'got {_got}"\n',
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
