OK_FORMAT = True

test = {   'name': 'q4_memory',
    'points': 1,
    'suites': [   {   'cases': [   {   'code': '>>> _got = final_state([0.8, -0.3, 0.1], 1.5, 0.5)\n'
                                               ">>> assert abs(_got - 0.175) < 1e-09, f'final_state([0.8, -0.3, 0.1], 1.5, 0.5): expected 0.175 (h: 1.0 after clipping 1.2, then 0.05, 0.175), got "
                                               "{_got}'\n",
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
