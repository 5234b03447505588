OK_FORMAT = True

test = {   'name': 'q5_build_my_model',
    'points': 3,
    'suites': [   {   'cases': [   {   'code': '>>> _m = build_my_model(12)\n'
                                               ">>> assert isinstance(_m, keras.Model), f'expected build_my_model to return a keras.Model, got {type(_m).__name__}'\n"
                                               '>>> from utils.forecast_grading import as_graded as _as_graded\n'
                                               '>>> _m = _as_graded(_m)\n'
                                               ">>> _shape = tuple(np.shape(_m(np.zeros((2, 120, 12), 'float32'))))\n"
                                               ">>> assert _shape in ((2, 1), (2,)), f'expected one number per window, shape (2, 1) for 2 windows; got {_shape}'\n",
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
