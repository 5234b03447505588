OK_FORMAT = True

test = {   'name': 'q1_adding_generator',
    'points': 2,
    'suites': [   {   'cases': [   {   'code': ">>> from utils.exercise import check_not_calling\n>>> check_not_calling(make_adding, 'adding_problem', 'adding_batches')\n",
                                       'hidden': False,
                                       'locked': False},
                                   {   'code': '>>> _x, _y = make_adding(200, 8, 3, seed=0)\n'
                                               ">>> assert _x.shape == (200, 8, 2) and _y.shape == (200, 1), f'expected shapes (200, 8, 2) and (200, 1), got {_x.shape} and {_y.shape}'\n"
                                               ">>> assert _x.dtype == np.float32 and _y.dtype == np.float32, f'expected float32 x and y, got {_x.dtype} and {_y.dtype}'\n"
                                               '>>> _count = _x[:, :, 1].sum(axis=1)\n'
                                               ">>> assert np.all(_count == 3), f'expected k = 3 marked steps per sequence, got counts {sorted(set(_count.tolist()))}: the k markers must fall on k "
                                               "distinct steps (two draws of the same step count once)'\n"
                                               '>>> _sum = (_x[:, :, 0] * _x[:, :, 1]).sum(axis=1)\n'
                                               ">>> assert np.allclose(_y[:, 0], _sum, rtol=1e-06), f'expected y = sum of marked values, {_sum[:3]}..., got {_y[:3, 0]}...'\n",
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
