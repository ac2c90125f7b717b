"""/staff → meetings and notices (journey ``staff_meetings``): the meeting wizard (`wizard`), one
meeting's administration (`admin`), the notice wizard (`notices`), dispatched by `flow`."""
