OK_FORMAT = True

test = {   'name': 'q3_perplexity',
    'points': 1,
    'suites': [{'cases': [{'code': '>>> assert np.allclose(loss_report(np.log(2)), (1.0, 2.0))\n', 'hidden': False, 'locked': False}], 'scored': True, 'setup': '', 'teardown': '', 'type': 'doctest'}]}
