OK_FORMAT = True

test = {   'name': 'q3_mult_count',
    'points': 1,
    'suites': [   {   'cases': [   {   'code': ">>> assert mult_count(2, 3, 4, 5) == 270, f'mult_count(2, 3, 4, 5): expected 270 (3 steps of (2, 4)·(4, 5) and (2, 5)·(5, 5)), got {mult_count(2, 3, "
                                               "4, 5)}'\n",
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
