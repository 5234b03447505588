OK_FORMAT = True

test = {   'name': 'q2_explode_or_vanish',
    'points': 2,
    'suites': [   {   'cases': [   {   'code': ">>> assert explode_or_vanish(np.diag([0.5, 0.8])) == 'vanish'\n>>> assert explode_or_vanish(np.diag([0.5, 1.3])) == 'explode'\n",
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
