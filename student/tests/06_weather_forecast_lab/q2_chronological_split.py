OK_FORMAT = True

test = {   'name': 'q2_chronological_split',
    'points': 1,
    'suites': [   {   'cases': [   {   'code': '>>> _a, _b, _c = split_in_time(demo)\n'
                                               '>>> assert (len(_a), len(_b), len(_c)) == (500, 250, 250)\n'
                                               '>>> assert _a.index.max() < _b.index.min() and _b.index.max() < _c.index.min()\n',
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
