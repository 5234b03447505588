OK_FORMAT = True

test = {   'name': 'q3_decay_per_step',
    'points': 2,
    'suites': [   {   'cases': [   {   'code': '>>> assert abs(decay_per_step(1.0, 0.0) - 1.0) < 1e-12\n>>> assert steps_until(0.5, 0.0, threshold=0.1) == 4\n',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0.4}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
