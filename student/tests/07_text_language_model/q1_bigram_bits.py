OK_FORMAT = True

test = {   'name': 'q1_bigram_bits',
    'points': 2,
    'suites': [   {   'cases': [   {   'code': '>>> _got = bigram_bits([0, 1, 0, 1], [0, 1], 2)\n'
                                               ">>> assert abs(_got - -np.log2(3 / 4)) < 1e-09, f'train [0, 1, 0, 1], test [0, 1]: expected {-np.log2(3 / 4):.4f} bits, got {_got:.4f}'\n"
                                               '>>> _p = (np.array([[0, 2], [1, 0]]) + 1) / (np.array([[2], [1]]) + 2)\n'
                                               '>>> _want, _got = (-(np.log2(_p[1, 0]) + np.log2(_p[0, 0])) / 2, bigram_bits([0, 1, 0, 1], [1, 0, 0], 2))\n'
                                               ">>> assert abs(_got - _want) < 1e-09, f'train [0, 1, 0, 1], test [1, 0, 0]: expected {_want:.4f} bits, got {_got:.4f} (C(a) counts the training pairs "
                                               "that start with a; the last id starts none)'\n",
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
