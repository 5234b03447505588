OK_FORMAT = True

test = {   'name': 'q4_clip_global_norm',
    'points': 1,
    'suites': [   {   'cases': [   {   'code': '>>> _clipped = clip_global_norm([np.array([3.0]), np.array([4.0])], 1.0)\n>>> np.testing.assert_allclose(np.concatenate(_clipped), [0.6, 0.8])\n',
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
