OK_FORMAT = True

test = {   'name': 'q2_blend_weight',
    'points': 1,
    'suites': [   {   'cases': [   {   'code': '>>> _a, _b, _y = (np.array([0.0, 0, 0, 6]), np.array([2.0, 2, 2, 2]), np.zeros(4))\n'
                                               '>>> _w = blend_weight(_a, _b, _y, [0.0, 0.5, 1.0])\n'
                                               ">>> assert _w == 1.0, f'expected 1.0 (all of pred_a: MAE 1.5, against 1.75 at 0.5 and 2.0 at 0, where the MSE would pick 0); got {_w}'\n",
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
