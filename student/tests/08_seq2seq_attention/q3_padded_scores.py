OK_FORMAT = True

test = {   'name': 'q3_padded_scores',
    'points': 2,
    'suites': [   {   'cases': [   {   'code': ">>> from utils.exercise import check_not_calling\n>>> check_not_calling(padded_scores, 'exact_match', 'char_accuracy', 'decode_ids')\n",
                                       'hidden': False,
                                       'locked': False},
                                   {   'code': '>>> _t = np.array([[5, 6, 7, 0], [5, 6, 0, 0]])\n'
                                               '>>> _p = np.array([[5, 6, 7, 9], [5, 4, 0, 0]])\n'
                                               '>>> _got = padded_scores(_p, _t)\n'
                                               ">>> assert np.allclose(_got, (0.5, 4 / 5)), f'row 1 right with junk on its padding, row 2 one of two wrong: expected (0.5, 0.8), got "
                                               "{tuple(np.round(_got, 4))}'\n",
                                       'hidden': False,
                                       'locked': False},
                                   {   'code': '>>> _t = np.array([[3, 4, 5, 6, 7, 8], [3, 0, 0, 0, 0, 0]])\n'
                                               '>>> _p = np.array([[3, 4, 5, 6, 7, 8], [9, 0, 0, 0, 0, 0]])\n'
                                               '>>> _got = padded_scores(_p, _t)\n'
                                               '>>> assert np.allclose(_got, (0.5, 6 / 7)), f"6 of 6 and 0 of 1 characters right: expected char accuracy 6/7 = 0.8571 over all characters (not the '
                                               'mean of the rows\' 1 and 0), got {np.round(_got, 4)}"\n',
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
