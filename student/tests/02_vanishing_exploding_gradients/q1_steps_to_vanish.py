OK_FORMAT = True

test = {   'name': 'q1_steps_to_vanish',
    'points': 1,
    'suites': [   {   'cases': [   {   'code': ">>> assert steps_to_vanish(0.5, 0.1) == 4, f'steps_to_vanish(0.5, 0.1): expected 4 (0.5**4 = 0.0625 < 0.1), got {steps_to_vanish(0.5, 0.1)}'\n"
                                               ">>> assert steps_to_vanish(-0.5, 0.1) == 4, f'steps_to_vanish(-0.5, 0.1): expected 4 (|w| decides), got {steps_to_vanish(-0.5, 0.1)}'\n",
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
