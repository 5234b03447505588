OK_FORMAT = True

test = {   'name': 'q3_normalise_with_train',
    'points': 1,
    'suites': [   {   'cases': [   {   'code': '>>> _tr, _va, _te = (demo.iloc[:500], demo.iloc[500:750], demo.iloc[750:])\n'
                                               '>>> _ntr, _nva, _nte = normalise_with_train(_tr, _va, _te)\n'
                                               '>>> assert np.allclose(_ntr.mean(), 0, atol=1e-09) and np.allclose(_ntr.std(), 1)\n',
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
