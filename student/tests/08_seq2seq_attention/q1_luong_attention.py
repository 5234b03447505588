OK_FORMAT = True

test = {   'name': 'q1_luong_attention',
    'points': 2,
    'suites': [   {   'cases': [   {   'code': '>>> from utils.exercise import check_not_calling\n'
                                               ">>> check_not_calling(luong_attention, 'Attention', 'AdditiveAttention', 'MultiHeadAttention', 'dot_product_attention')\n",
                                       'hidden': False,
                                       'locked': False},
                                   {   'code': '>>> _H = np.array([[1.0, 0.0], [0.0, 2.0], [5.0, 5.0]])\n'
                                               '>>> _a, _c = luong_attention(np.array([1.0, 1.0]), _H, np.array([True, True, False]))\n'
                                               '>>> _want = np.exp([1.0, 2.0]) / np.exp([1.0, 2.0]).sum()\n'
                                               ">>> assert np.allclose(_a, [*_want, 0]), f's = [1, 1], last state padding: expected weights {np.round([*_want, 0], 4)}, got {np.round(_a, 4)}'\n"
                                               ">>> assert np.allclose(_c, _want @ _H[:2]), f'expected context {np.round(_want @ _H[:2], 4)}, got {np.round(_c, 4)}'\n",
                                       'hidden': False,
                                       'locked': False},
                                   {   'code': '>>> _a, _c = luong_attention(np.array([0.0, 1.0]), np.array([[3.0, 1.0], [1.0, 3.0]]), np.array([True, True]))\n'
                                               ">>> assert np.allclose(_a, [0.11920292, 0.88079708]), f's = [0, 1], H = [[3, 1], [1, 3]]: expected weights [0.1192, 0.8808], got {np.round(_a, 4)}'\n",
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
