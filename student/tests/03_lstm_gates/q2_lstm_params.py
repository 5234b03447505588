OK_FORMAT = True

test = {   'name': 'q2_lstm_params',
    'points': 1,
    'suites': [{'cases': [{'code': '>>> assert lstm_params(1, 1) == 12\n', 'hidden': False, 'locked': False}], 'scored': True, 'setup': '', 'teardown': '', 'type': 'doctest'}]}
