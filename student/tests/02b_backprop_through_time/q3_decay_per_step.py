OK_FORMAT = True

test = {   'name': 'q3_decay_per_step',
    'points': 2,
    'suites': [   {   'cases': [   {   'code': ">>> assert abs(decay_per_step(1.0, 0.0) - 1.0) < 1e-12, f'decay_per_step(1.0, 0.0): expected 1.0, got {decay_per_step(1.0, 0.0)}'\n"
                                               ">>> assert abs(decay_per_step(0.8, 0.5) - 0.6) < 1e-12, f'decay_per_step(0.8, 0.5): expected 0.6, got {decay_per_step(0.8, 0.5)}'\n"
                                               ">>> assert steps_until(0.5, 0.0, threshold=0.1) == 4, f'steps_until(0.5, 0.0, threshold=0.1): expected 4, got {steps_until(0.5, 0.0, "
                                               "threshold=0.1)}'\n",
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0.4}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
