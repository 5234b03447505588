OK_FORMAT = True

test = {   'name': 'q5_build_my_model',
    'points': 3,
    'suites': [   {   'cases': [   {   'code': '>>> _m = build_my_model(12)\n'
                                               ">>> assert isinstance(_m, keras.Model), 'build_my_model must return a keras.Model'\n"
                                               ">>> assert tuple(np.shape(_m(np.zeros((2, 120, 12), 'float32')))) in ((2, 1), (2,)), 'output one number per window'\n",
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
