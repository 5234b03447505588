OK_FORMAT = True

test = {   'name': 'q1_steps_to_vanish',
    'points': 1,
    'suites': [{'cases': [{'code': '>>> assert steps_to_vanish(0.5, 0.1) == 4\n', 'hidden': False, 'locked': False}], 'scored': True, 'setup': '', 'teardown': '', 'type': 'doctest'}]}
