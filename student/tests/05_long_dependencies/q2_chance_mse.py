OK_FORMAT = True

test = {   'name': 'q2_chance_mse',
    'points': 1,
    'suites': [{'cases': [{'code': '>>> assert abs(chance_mse(0, 1) - 1 / 6) < 1e-12\n', 'hidden': False, 'locked': False}], 'scored': True, 'setup': '', 'teardown': '', 'type': 'doctest'}]}
