OK_FORMAT = True

test = {   'name': 'q1_bigram_bits',
    'points': 2,
    'suites': [   {   'cases': [{'code': '>>> assert abs(bigram_bits([0, 1, 0, 1], [0, 1], 2) - -np.log2(3 / 4)) < 1e-09\n', 'hidden': False, 'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
