OK_FORMAT = True

test = {   'name': 'q1_adding_generator',
    'points': 2,
    'suites': [   {   'cases': [   {   'code': '>>> _x, _y = make_adding(5, 8, seed=0)\n>>> assert _x.shape == (5, 8, 2) and _y.shape == (5, 1)\n>>> assert np.all(_x[:, :, 1].sum(axis=1) == 2)\n',
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
