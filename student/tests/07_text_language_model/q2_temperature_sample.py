OK_FORMAT = True

test = {   'name': 'q2_temperature_sample',
    'points': 2,
    'suites': [{'cases': [{'code': '>>> assert sample_next([0.0, 5.0, 1.0], 0, seed=0) == 1\n', 'hidden': False, 'locked': False}], 'scored': True, 'setup': '', 'teardown': '', 'type': 'doctest'}]}
