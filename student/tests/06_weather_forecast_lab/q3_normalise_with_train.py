OK_FORMAT = True

test = {   'name': 'q3_normalise_with_train',
    'points': 1,
    'suites': [   {   'cases': [   {'code': ">>> from utils.exercise import check_not_calling\n>>> check_not_calling(normalise_with_train, 'normalize')\n", 'hidden': False, 'locked': False},
                                   {   'code': '>>> _tr, _va, _te = (demo.iloc[:500], demo.iloc[500:750], demo.iloc[750:])\n'
                                               '>>> _ntr, _nva, _nte = normalise_with_train(_tr, _va, _te)\n'
                                               '>>> assert np.allclose(_ntr.median(), 0, atol=1e-09), f"expected the training frame\'s median to become 0, got {_ntr.median().round(3).to_dict()}"\n'
                                               ">>> _want = (_va['p'].iloc[0] - _tr['p'].median()) / (_tr['p'].quantile(0.75) - _tr['p'].quantile(0.25))\n"
                                               '>>> assert np.isclose(_nva[\'p\'].iloc[0], _want), f"expected the validation frame scaled with the TRAINING median and IQR: first p {_want:.3f}, got '
                                               '{_nva[\'p\'].iloc[0]:.3f}"\n',
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
